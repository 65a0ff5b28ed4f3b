from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatentpoolConfig(AppConfig):
    name = "patentpool"
    verbose_name = _("专利库")
