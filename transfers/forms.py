"""Forms of the deal pages. They parse and shape input; the services decide (and say why, in Chinese / English)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from patentpool.models import Patent
from reference.appno import ApplicationNumber

from .choices import (
    ApprovalDecision,
    DealKind,
    OpenLicenceFeeMethod,
    PaymentMethod,
    PricingMethod,
    PromotionTier,
    RecordingStatus,
    ReformVariant,
    SalesBand,
)
from .services import DealTerms, Milestone

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


def _split_numbers(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,，;；、]+", text.strip()) if part]


class DealForm(forms.Form):
    """Register a deal on a patent (optionally with a bundle of the institution's other patents)."""

    kind = forms.ChoiceField(
        label=_("转化方式"), choices=[c for c in DealKind.choices if c[0] != DealKind.OPEN_LICENCE]
    )
    bundle = forms.CharField(
        label=_("组合中的其他专利（申请号，逗号分隔）"), required=False, widget=forms.TextInput(attrs={"size": 60})
    )
    enterprise_code = forms.CharField(label=_("受让/被许可企业（统一社会信用代码）"), required=False, max_length=18)
    counterparty = forms.CharField(label=_("受让方/被许可方名称（非平台企业时填写）"), required=False, max_length=128)
    contract_date = forms.DateField(label=_("合同签订日"), widget=DATE)
    term_start = forms.DateField(label=_("许可期限起"), required=False, widget=DATE)
    term_end = forms.DateField(label=_("许可期限止"), required=False, widget=DATE)
    territory = forms.CharField(label=_("许可地域"), required=False, max_length=128)
    field_of_use = forms.CharField(label=_("许可领域"), required=False, max_length=255)
    sublicensing_allowed = forms.BooleanField(label=_("允许分许可"), required=False)
    payment_method = forms.ChoiceField(label=_("支付方式"), choices=PaymentMethod.choices)
    amount_wan = forms.DecimalField(label=_("合同金额（万元）"), required=False, **MONEY)
    first_due_date = forms.DateField(label=_("首笔款应付日"), required=False, widget=DATE)
    entry_fee_wan = forms.DecimalField(label=_("入门费（万元）"), required=False, **MONEY)
    royalty_rate = forms.DecimalField(
        label=_("提成比例（%）"), required=False, max_digits=6, decimal_places=3, min_value=Decimal(0)
    )
    royalty_base = forms.CharField(label=_("提成基数"), required=False, max_length=64)
    instalments = forms.IntegerField(label=_("分期期数"), required=False, min_value=2, max_value=60)
    interval_months = forms.IntegerField(label=_("分期间隔（月）"), required=False, min_value=1, max_value=24)
    milestones = forms.CharField(
        label=_("里程碑（每行：日期, 金额（万元）, 说明）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-06-30, 50, 完成中试"}),
    )
    pricing_method = forms.ChoiceField(
        label=_("定价方式"), choices=[("", "---")] + PricingMethod.choices, required=False
    )
    valuation_reference = forms.CharField(label=_("评估/估值报告"), required=False, max_length=255)
    reform_variant = forms.ChoiceField(label=_("改革试点方式"), choices=ReformVariant.choices, required=False)
    inventor_reward_share = forms.DecimalField(
        label=_("发明人奖励比例（%）"), required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    notice_start = forms.DateField(label=_("公示开始日"), required=False, widget=DATE)
    notice_days = forms.IntegerField(label=_("公示期（天）"), required=False, min_value=1, max_value=90)

    def __init__(self, *args, patent: Patent, **kwargs):
        super().__init__(*args, **kwargs)
        self.patent = patent

    def clean_bundle(self):
        numbers = []
        for text in _split_numbers(self.cleaned_data["bundle"]):
            if not ApplicationNumber.is_valid(text):
                raise forms.ValidationError(_("申请号“%(n)s”无效 / Invalid application number") % {"n": text})
            numbers.append(str(ApplicationNumber.parse(text)))
        found = dict(
            Patent.objects.filter(
                application_number__in=numbers, institution_id=self.patent.institution_id
            ).values_list("application_number", "pk")
        )
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(
                _("本单位没有这些专利：%(n)s / Not patents of this institution") % {"n": "，".join(missing)}
            )
        return [found[n] for n in numbers]

    def clean_enterprise_code(self):
        code = self.cleaned_data["enterprise_code"].strip().upper()
        if not code:
            return None
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(_("平台上没有该信用代码的企业 / No registered enterprise has this code"))
        return enterprise

    def clean_milestones(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[,，]", line, maxsplit=2)]
            try:
                day = datetime.date.fromisoformat(parts[0])
                amount = Decimal(parts[1])
            except (ValueError, IndexError, InvalidOperation):
                raise forms.ValidationError(
                    _("第 %(n)d 行应为“日期, 金额, 说明” / Line %(n)d: date, amount, description") % {"n": number}
                ) from None
            rows.append(Milestone(due_date=day, amount_wan=amount, description=parts[2] if len(parts) > 2 else ""))
        return rows

    def terms(self) -> DealTerms:
        d = self.cleaned_data
        enterprise = d["enterprise_code"]
        return DealTerms(
            patent_id=self.patent.pk,
            kind=d["kind"],
            contract_date=d["contract_date"],
            counterparty=d["counterparty"],
            enterprise_id=enterprise.pk if enterprise else None,
            bundle_patent_ids=d["bundle"],
            amount_wan=d["amount_wan"],
            term_start=d["term_start"],
            term_end=d["term_end"],
            territory=d["territory"],
            field_of_use=d["field_of_use"],
            sublicensing_allowed=d["sublicensing_allowed"],
            payment_method=d["payment_method"],
            first_due_date=d["first_due_date"],
            entry_fee_wan=d["entry_fee_wan"],
            royalty_rate=d["royalty_rate"],
            royalty_base=d["royalty_base"],
            instalments=d["instalments"],
            interval_months=d["interval_months"] or 12,
            milestones=d["milestones"],
            pricing_method=d["pricing_method"],
            valuation_reference=d["valuation_reference"],
            reform_variant=d["reform_variant"] or "",
            inventor_reward_share=d["inventor_reward_share"],
            notice_start=d["notice_start"],
            notice_days=d["notice_days"],
        )


class PaymentForm(forms.Form):
    due = forms.TypedChoiceField(label=_("款项"), coerce=int)
    paid_on = forms.DateField(label=_("到账日"), widget=DATE)
    amount_wan = forms.DecimalField(label=_("到账金额（万元）"), **MONEY)
    inventor_reward_wan = forms.DecimalField(label=_("其中发明人奖励（万元）"), required=False, **MONEY)
    note = forms.CharField(label=_("备注"), required=False, max_length=255)

    def __init__(self, *args, dues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due"].choices = [
            (d.pk, f"{d.due_date:%Y-%m-%d} {d.get_kind_display()} {d.description} {d.amount_wan or ''}".strip())
            for d in dues
        ]


class RecordingForm(forms.Form):
    status = forms.ChoiceField(
        label=_("登记/备案状态"), choices=[c for c in RecordingStatus.choices if c[0] != RecordingStatus.NONE]
    )
    number = forms.CharField(label=_("登记/备案号"), required=False, max_length=64)
    recorded_on = forms.DateField(label=_("登记/备案日"), required=False, widget=DATE)


class IndustrializationForm(forms.Form):
    patent = forms.TypedChoiceField(label=_("专利"), coerce=int)
    product_name = forms.CharField(label=_("产品名称"), max_length=255)
    started_on = forms.DateField(label=_("投产日期"), widget=DATE)
    sales_band = forms.ChoiceField(label=_("年销售额"), choices=[("", "---")] + SalesBand.choices, required=False)
    product_filing_number = forms.CharField(label=_("专利密集型产品备案号"), required=False, max_length=64)
    filed_on = forms.DateField(label=_("产品备案日"), required=False, widget=DATE)

    def __init__(self, *args, patents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patent"].choices = [(p.pk, f"{p.application_number} {p.title}") for p in patents]


class DossierForm(forms.Form):
    pricing_method = forms.ChoiceField(
        label=_("定价方式"), choices=[("", "---")] + PricingMethod.choices, required=False
    )
    valuation_reference = forms.CharField(label=_("评估/估值报告"), required=False, max_length=255)
    reform_variant = forms.ChoiceField(label=_("改革试点方式"), choices=ReformVariant.choices, required=False)
    inventor_reward_share = forms.DecimalField(
        label=_("发明人奖励比例（%）"), required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    notice_start = forms.DateField(label=_("公示开始日"), required=False, widget=DATE)
    notice_days = forms.IntegerField(label=_("公示期（天）"), required=False, min_value=1, max_value=90)


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label=_("收到日期"), widget=DATE)
    objector = forms.CharField(label=_("异议人"), max_length=128)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))
    handling = forms.CharField(label=_("处理情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    handled_on = forms.DateField(label=_("处理日期"), required=False, widget=DATE)


class HandleObjectionForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    handling = forms.CharField(label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 2}))
    handled_on = forms.DateField(label=_("处理日期"), widget=DATE)


class ApprovalForm(forms.Form):
    body = forms.CharField(label=_("审批人/机构"), max_length=128)
    meeting = forms.CharField(label=_("会议"), required=False, max_length=255)
    decided_on = forms.DateField(label=_("决定日期"), widget=DATE)
    decision = forms.ChoiceField(label=_("决定"), choices=ApprovalDecision.choices)
    note = forms.CharField(label=_("备注"), required=False, max_length=500)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("文件名称"), max_length=128)
    file = forms.FileField(label=_("文件"))


class CorrectionForm(forms.Form):
    text = forms.CharField(label=_("更正内容"), widget=forms.Textarea(attrs={"rows": 2}))


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("终止日"), widget=DATE)


class OpenLicenceForm(forms.Form):
    fee_method = forms.ChoiceField(label=_("付费方式"), choices=OpenLicenceFeeMethod.choices)
    fee_wan = forms.DecimalField(label=_("许可使用费（万元/年）"), required=False, **MONEY)
    royalty_rate = forms.DecimalField(
        label=_("提成比例（%）"), required=False, max_digits=6, decimal_places=3, min_value=Decimal(0)
    )
    royalty_base = forms.CharField(label=_("提成基数"), required=False, max_length=64)
    term_years = forms.IntegerField(label=_("许可期限（年）"), min_value=1, max_value=20)
    evaluation_report_ref = forms.CharField(
        label=_("专利权评价报告编号（实用新型、外观设计必填）"), required=False, max_length=64
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=255)


class TierForm(forms.Form):
    tier = forms.ChoiceField(choices=PromotionTier.choices)
    included = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    patents = forms.CharField()

    def clean_patents(self):
        ids = _split_numbers(self.cleaned_data["patents"])
        if not ids or not all(p.isdigit() for p in ids):
            raise forms.ValidationError(_("请至少选择一件专利 / Select at least one patent"))
        return [int(p) for p in ids]
