from rest_framework import serializers

from ..choices import DeclineReason
from ..models import Push


class PushSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    title = serializers.CharField(source="patent.title", read_only=True)
    institution = serializers.CharField(source="patent.institution.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Push
        fields = [
            "id", "patent", "application_number", "title", "institution", "enterprise", "enterprise_name", "score",
            "reason", "status", "decline_reason", "feedback", "created_at", "viewed_at", "responded_at",
        ]  # fmt: skip
        read_only_fields = fields


class PushDeclineSerializer(serializers.Serializer):
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices)
    feedback = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PushInterestSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
