"""The enterprise profile form: the one validator of the registration page, the profile page and the Excel import.

Codes are typed as text (``C3841``, ``C38``, ``H01M``, ``3.1``) in the form and in the workbook alike; the form
resolves them against the reference tables and says in Chinese and English what it could not resolve.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from institutions.models import User
from reference.models import IndustryCode, IPCCode, Province, SEIClass

from .models import Enterprise
from .validators import validate_credit_code

_SPLIT = re.compile(r"[\s,，、;；]+")
# Fields in the order of the form and of the import template's columns.
PROFILE_FIELDS = (
    "name",
    "credit_code",
    "province",
    "city",
    "is_ip_advantage",
    "is_specialized_sme",
    "is_high_tech",
    "is_soe",
    "is_central_soe",
    "main_industry",
    "other_industries",
    "products",
    "technical_needs",
    "fields_of_interest",
)


def split_codes(value: str) -> list[str]:
    return [code for code in _SPLIT.split((value or "").strip().upper()) if code]


def industry_ids(codes: list[str]) -> dict[str, int]:
    return dict(IndustryCode.objects.filter(code__in=codes).values_list("code", "pk"))


class EnterpriseProfileForm(forms.Form):
    """An enterprise's registration data; ``instance`` when editing (its own credit code is not a duplicate)."""

    name = forms.CharField(label=_("企业名称"), max_length=128)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=32)
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all())
    city = forms.CharField(label=_("城市"), max_length=32, required=False)
    is_ip_advantage = forms.BooleanField(label=_("知识产权优势示范企业"), required=False)
    is_specialized_sme = forms.BooleanField(label=_("专精特新中小企业"), required=False)
    is_high_tech = forms.BooleanField(label=_("高新技术企业"), required=False)
    is_soe = forms.BooleanField(label=_("国有企业"), required=False)
    is_central_soe = forms.BooleanField(label=_("中央企业"), required=False)
    main_industry = forms.CharField(
        label=_("主营行业代码（GB/T 4754）"), max_length=8, help_text=_("任一层级，如 C、C38、C384、C3841")
    )
    other_industries = forms.CharField(
        label=_("其他行业代码"), max_length=500, required=False, help_text=_("多个用逗号分隔")
    )
    products = forms.CharField(label=_("主要产品"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    technical_needs = forms.CharField(
        label=_("技术需求"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("每行一项"),
    )
    fields_of_interest = forms.CharField(
        label=_("关注技术领域（IPC 小类或战新分类）"),
        max_length=500,
        required=False,
        help_text=_("如 H01M, G06N, 3.1；多个用逗号分隔"),
    )

    def __init__(self, *args, instance: Enterprise | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(code)
        taken = Enterprise.objects.filter(credit_code=code)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("该统一社会信用代码已登记 / This credit code is already registered"), code="duplicate"
            )
        return code

    def clean_main_industry(self) -> IndustryCode:
        codes = split_codes(self.cleaned_data["main_industry"])
        if len(codes) != 1:
            raise forms.ValidationError(_("主营行业填一个代码 / Give exactly one main industry code"))
        found = IndustryCode.objects.filter(code=codes[0]).first()
        if found is None:
            raise forms.ValidationError(
                _("国民经济行业代码 %(code)s 不存在 / Unknown GB/T 4754 code %(code)s"), params={"code": codes[0]}
            )
        return found

    def clean_other_industries(self) -> list[int]:
        codes = split_codes(self.cleaned_data["other_industries"])
        found = industry_ids(codes)
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                _("国民经济行业代码 %(code)s 不存在 / Unknown GB/T 4754 code %(code)s"), params={"code": unknown[0]}
            )
        return sorted(set(found.values()))

    def clean_technical_needs(self) -> str:
        lines = [line.strip() for line in re.split(r"[\r\n；;]+", self.cleaned_data["technical_needs"])]
        return "\n".join(line for line in lines if line)

    def clean_fields_of_interest(self) -> str:
        codes = split_codes(self.cleaned_data["fields_of_interest"])
        ipc = set(IPCCode.objects.filter(code__in=codes, level="subclass").values_list("code", flat=True))
        sei = set(SEIClass.objects.filter(code__in=codes, edition="2021").values_list("code", flat=True))
        unknown = [code for code in codes if code not in ipc and code not in sei]
        if unknown:
            raise forms.ValidationError(
                _("%(code)s 不是 IPC 小类或战新分类代码 / %(code)s is neither an IPC subclass nor an SEI class"),
                params={"code": unknown[0]},
            )
        return ",".join(dict.fromkeys(codes))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_central_soe") and not cleaned.get("is_soe"):
            cleaned["is_soe"] = True  # a central SOE is a state-owned enterprise
        return cleaned


class EnterpriseSignUpForm(EnterpriseProfileForm):
    """Self-registration: the profile plus the first user's account."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已被使用 / This username is taken"))
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(label=_("企业登记工作簿（.xlsx）"))


def initial_from(enterprise: Enterprise) -> dict:
    """The form's initial values for an existing enterprise."""
    return {
        **{
            name: getattr(enterprise, name)
            for name in PROFILE_FIELDS
            if name not in ("main_industry", "other_industries")
        },
        "province": enterprise.province_id,
        "main_industry": enterprise.main_industry.code if enterprise.main_industry else "",
        "other_industries": ", ".join(enterprise.industries.values_list("code", flat=True)),
        "fields_of_interest": enterprise.fields_of_interest.replace(",", ", "),
    }
