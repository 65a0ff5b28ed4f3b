"""Forms of the inventory import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ImportKind


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("盘点文件（.xlsx；专利数据库导出也可为 .csv）"))
    kind = forms.ChoiceField(
        label=_("文件类型"),
        choices=[("", _("按表头自动识别")), *ImportKind.choices],
        required=False,
        help_text=_("国家批量导入模板：盘点与自评；专利数据库导出：只写入基础库信息，不改动自评"),
    )
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)
