"""API representations of the patent library."""

from rest_framework import serializers

from evaluations.models import SelfAssessment
from institutions.models import OrgUnit
from patentpool.models import Patent


class AssessmentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = SelfAssessment
        # *_suggested: industry / sei_class are the classifier's suggestion for a blank AA / AC (evaluations.suggest).
        fields = [
            "review_state", "maturity", "value_stars", "price_band", "industry", "sei_class", "industries_suggested",
            "sei_suggested",
        ]  # fmt: skip


class PatentSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True, default="")
    assessment = AssessmentSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Patent
        fields = [
            "id",
            "application_number",
            "patent_type",
            "title",
            "patentees",
            "inventors",
            "grant_date",
            "legal_status",
            "years_maintained",
            "ipc_main",
            "ipc_others",
            "institution",
            "institution_name",
            "org_unit",
            "org_unit_name",
            "fiscally_funded",
            "funding_project",
            "assessment",
        ]
        read_only_fields = [
            "id",
            "application_number",
            "patent_type",
            "grant_date",
            "legal_status",
            "years_maintained",
            "ipc_main",
            "ipc_others",
            "institution",
        ]


class PatentUpdateSerializer(serializers.Serializer):
    """The fields an institution may correct by hand (see patentpool.services.EDITABLE_FIELDS)."""

    title = serializers.CharField(max_length=255, required=False)
    inventors = serializers.CharField(max_length=500, required=False, allow_blank=True)
    patentees = serializers.CharField(max_length=500, required=False, allow_blank=True)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    fiscally_funded = serializers.BooleanField(required=False)
    funding_project = serializers.CharField(max_length=255, required=False, allow_blank=True)
