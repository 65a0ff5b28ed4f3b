from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DeclineReason


class PushResponseForm(forms.Form):
    """Interested, or declined with a reason (required then) and optional feedback."""

    decision = forms.ChoiceField(choices=[("interested", _("感兴趣")), ("declined", _("不感兴趣"))])
    decline_reason = forms.ChoiceField(
        label=_("不感兴趣的原因"), choices=[("", "—")] + list(DeclineReason.choices), required=False
    )
    feedback = forms.CharField(label=_("反馈意见"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "declined" and not cleaned.get("decline_reason"):
            self.add_error("decline_reason", _("请选择不感兴趣的原因 / Choose why the patent does not interest you"))
        return cleaned
