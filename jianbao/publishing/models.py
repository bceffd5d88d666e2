from django.db import models


class Picture(models.Model):
    """A picture kept in storage (jianbao.publishing.pictures), one row per stored file.

    The name is the content hash of the stored bytes, so a row never changes:
    the same picture accepted twice is the same row.
    """

    name = models.CharField("文件名", max_length=40, unique=True)
    width = models.PositiveIntegerField("宽（像素）")
    height = models.PositiveIntegerField("高（像素）")
    # The stored file's type, as its name ends: jpg, png, gif or webp.
    format = models.CharField("格式", max_length=8)
    size = models.PositiveIntegerField("字节数")
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
