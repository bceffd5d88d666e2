from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "简报管理"
admin.site.site_title = "简报管理"
admin.site.index_title = "管理首页"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/deliveries/", include("jianbao.distribution.urls")),
    path("desk/imports/", include("jianbao.catalogue.urls")),
    path("desk/", include("jianbao.proofing.urls")),
    path("desk/", include("jianbao.bulletins.urls")),
    path("", include("jianbao.submissions.urls")),
    path("network/", include("jianbao.network.urls")),
    path("pictures/", include("jianbao.publishing.urls")),
    path("", include("jianbao.archive.urls")),
]
