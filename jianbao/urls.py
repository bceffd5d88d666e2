from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "简报管理"
admin.site.site_title = "简报管理"
admin.site.index_title = "管理首页"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("jianbao.archive.urls")),
]
