"""Forms of the market side; every value is checked by ``market.validation`` (the workbook's validator too)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.choices import PriceBand, ValueStars

from .choices import Cooperation, ImprovementNeed, InstitutionAnswer, LowRatingReason
from .validation import validate_evaluation


class EvaluationForm(forms.Form):
    """An enterprise's rating of a library patent, or an expert's on a commission (then with an opinion)."""

    prospect_stars = forms.TypedChoiceField(
        label=_("产业化前景"), choices=[("", "—")] + list(ValueStars.choices), coerce=int, required=False
    )
    improvement_needs = forms.MultipleChoiceField(
        label=_("技术改进需求"), choices=ImprovementNeed.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    improvement_text = forms.CharField(
        label=_("改进需求说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cooperation = forms.ChoiceField(
        label=_("合作意愿"), choices=[("", "—")] + list(Cooperation.choices), required=False
    )
    low_reasons = forms.MultipleChoiceField(
        label=_("低评原因（一星、二星必填）"),
        choices=LowRatingReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    low_reason_text = forms.CharField(label=_("其他原因说明"), required=False)
    price_band = forms.ChoiceField(label=_("可接受价格"), choices=[("", "—")] + list(PriceBand.choices), required=False)
    contact_name = forms.CharField(label=_("联系人"), required=False)
    contact_phone = forms.CharField(label=_("联系方式"), required=False)
    opinion = forms.CharField(label=_("专家意见"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, expert: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.expert = expert
        if not expert:
            del self.fields["opinion"]

    def clean(self):
        data = super().clean()
        checked = validate_evaluation(data, require_opinion=self.expert)
        for error in checked.errors:
            target = error.field if error.field in self.fields else None
            self.add_error(target, f"{error.message} / {error.message_en}")
        return data

    def add_service_errors(self, exc) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("答复"), choices=InstitutionAnswer.choices)
    answer_text = forms.CharField(label=_("答复说明"), max_length=500, required=False)


class ExpertRecommendForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    organisation = forms.CharField(label=_("工作单位"), max_length=128)
    title = forms.CharField(label=_("职称/职务"), max_length=64, required=False)
    province = forms.CharField(label=_("省份代码（省局推荐时为本省）"), max_length=2, required=False)
    industries = forms.CharField(label=_("擅长行业（GB/T 4754 代码，逗号分隔）"), max_length=255, required=False)
    technical_fields = forms.CharField(
        label=_("技术领域（IPC 小类或战新代码，逗号分隔）"), max_length=255, required=False
    )
    contact = forms.CharField(label=_("联系方式"), max_length=64, required=False)


class ReturnUploadForm(forms.Form):
    file = forms.FileField(
        label=_("填好的企业评价回传表（.xlsx）"),
        required=False,
        error_messages={"empty": _("文件是空的 / the file is empty")},
    )
