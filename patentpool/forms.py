"""Forms of the patent library."""

from django import forms

from institutions.selectors import org_unit_list

from .models import Patent
from .services import EDITABLE_FIELDS


class PatentEditForm(forms.ModelForm):
    """Hand corrections of a patent's base-library data; the college list is the user's own."""

    class Meta:
        model = Patent
        fields = list(EDITABLE_FIELDS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = org_unit_list(user=user).filter(institution_id=self.instance.institution_id)
