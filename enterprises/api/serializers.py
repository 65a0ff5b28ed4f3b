from rest_framework import serializers

from ..models import Enterprise


class EnterpriseSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.name", read_only=True)
    main_industry = serializers.CharField(source="main_industry.code", read_only=True, default="")
    industries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Enterprise
        fields = [
            "id", "name", "credit_code", "status", "province", "city", "is_ip_advantage", "is_specialized_sme",
            "is_high_tech", "is_soe", "is_central_soe", "main_industry", "industries", "products", "technical_needs",
            "fields_of_interest", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EnterpriseImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class EnterpriseImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    header = serializers.CharField()
    message = serializers.CharField()


class EnterpriseImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    rejected = serializers.CharField()
    errors = EnterpriseImportErrorSerializer(many=True)
