"""Forms of the inventory import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ImportKind


class ImportUploadForm(forms.Form):
    # Bilingual in every language: the message names the problem the same way the API does.
    file = forms.FileField(
        label=_("盘点文件（.xlsx；专利数据库导出也可为 .csv）"),
        error_messages={
            "required": "请选择要上传的工作簿 / Choose a workbook to upload",
            "invalid": "没有收到文件，请检查表单的编码类型 / No file was received; check the form's encoding type",
            "missing": "没有收到文件，请重新选择 / No file was received; choose it again",
            "empty": "上传的文件是空的（0 字节） / The uploaded file is empty (0 bytes)",
        },
    )
    kind = forms.ChoiceField(
        label=_("文件类型"),
        choices=[("", _("按表头自动识别")), *ImportKind.choices],
        required=False,
        help_text=_("国家批量导入模板：盘点与自评；专利数据库导出：只写入基础库信息，不改动自评"),
    )
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)
