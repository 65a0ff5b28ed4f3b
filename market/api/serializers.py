from rest_framework import serializers

from ..models import EvaluationImport, MarketEvaluation


class MarketEvaluationSerializer(serializers.ModelSerializer):
    """A market rating as stored (codes); ``enterprise_name`` and ``expert_name`` say who rated."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, allow_null=True, default=None)
    expert_name = serializers.CharField(source="commission.expert.name", read_only=True, allow_null=True, default=None)
    application_number = serializers.CharField(source="patent.application_number", read_only=True)

    class Meta:
        model = MarketEvaluation
        fields = [
            "id", "patent", "application_number", "enterprise", "enterprise_name", "expert_name", "prospect_stars",
            "improvement_needs", "improvement_text", "cooperation", "low_reasons", "low_reason_text", "price_band",
            "contact_name", "contact_phone", "opinion", "answer", "answer_text", "answered_at", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class MarketEvaluationWriteSerializer(serializers.Serializer):
    """A rating as a client sends it; codes or labels; checked by the same validator as the form and the workbook."""

    patent = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    prospect_stars = serializers.CharField(max_length=8)
    improvement_needs = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=10)
    improvement_text = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    cooperation = serializers.CharField(max_length=32)
    low_reasons = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=10)
    low_reason_text = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    price_band = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=32)
    answer_text = serializers.CharField(max_length=500, required=False, allow_blank=True)


class EvaluationImportSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = EvaluationImport
        fields = [
            "id", "original_name", "state", "total_rows", "processed_rows", "progress_percent", "created_count",
            "updated_count", "error_count", "message", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class EvaluationImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ReturnErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    header = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()
