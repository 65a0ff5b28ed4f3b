"""Forms of the institutions app."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("盘点工作簿（.xlsx）"))
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)
