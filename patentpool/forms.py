"""Forms of the patent library."""

from django import forms

from institutions.selectors import org_unit_list

from .models import Patent
from .services import EDITABLE_FIELDS

# PostgreSQL cannot store NUL in text; Django's own message for it is easily misread.
NUL_ERROR = {"null_characters_not_allowed": "不能包含空字符（\\x00） / Must not contain a NUL character (\\x00)"}


class PatentEditForm(forms.ModelForm):
    """Hand corrections of a patent's base-library data; the college list is the user's own."""

    class Meta:
        model = Patent
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user).filter(institution_id=self.instance.institution_id)
        for field in self.fields.values():
            field.error_messages.update(NUL_ERROR)


class PatentCreateForm(forms.ModelForm):
    """A patent added by hand; the application number is checked by the service (every written form accepted)."""

    application_number = forms.CharField(label=Patent._meta.get_field("application_number").verbose_name, max_length=40)

    class Meta:
        model = Patent
        # The application number is a plain form field: the service parses every written form of it.
        fields = [
            "title", "inventors", "patentees", "grant_date", "legal_status", "years_maintained",
            "org_unit", "fiscally_funded", "funding_project",
        ]  # fmt: skip
        widgets = {"grant_date": forms.DateInput(attrs={"type": "date"})}

    field_order = ["application_number"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user)
        self.fields["patentees"].required = False
        for field in self.fields.values():
            field.error_messages.update(NUL_ERROR)

    def validate_unique(self):
        """Uniqueness is the service's to decide (it links to the existing record)."""
