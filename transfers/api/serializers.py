"""API representations of deals and open-licence declarations."""

from rest_framework import serializers

from ..choices import DealKind, OpenLicenceFeeMethod, PaymentMethod, PricingMethod, RecordingStatus, ReformVariant
from ..models import Deal, Industrialization, OpenLicenceDeclaration, Payment, PaymentDue


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "paid_on", "amount_wan", "inventor_reward_wan", "note"]


class PaymentDueSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentDue
        fields = ["id", "kind", "description", "due_date", "amount_wan", "paid_wan", "status", "payments"]

    def get_status(self, obj) -> str:
        return obj.status_on(self.context["today"])


class IndustrializationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Industrialization
        fields = ["id", "patent", "product_name", "started_on", "sales_band", "product_filing_number", "filed_on"]


class DealSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    bundle_patents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recording_kind = serializers.CharField(read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id", "patent", "application_number", "bundle_patents", "institution", "institution_name", "kind", "status",
            "enterprise", "counterparty", "amount_wan", "contract_date", "term_start", "term_end", "territory",
            "field_of_use", "sublicensing_allowed", "payment_method", "entry_fee_wan", "royalty_rate", "royalty_base",
            "instalments", "open_licence", "recording_kind", "recording_status", "registration_number",
            "registered_on", "pricing_method", "valuation_reference", "reform_variant", "inventor_reward_share",
            "notice_start", "notice_days", "closed_at",
        ]  # fmt: skip


class DealDetailSerializer(DealSerializer):
    schedule = PaymentDueSerializer(many=True, read_only=True)
    industrializations = IndustrializationSerializer(many=True, read_only=True)

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "schedule", "industrializations"]


class MilestoneSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    amount_wan = serializers.DecimalField(max_digits=14, decimal_places=2)
    description = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")


class DealCreateSerializer(serializers.Serializer):
    """The terms of a new deal (see transfers.services.DealTerms); the schedule is generated from them."""

    patent = serializers.IntegerField()
    bundle_patents = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    kind = serializers.ChoiceField(choices=DealKind.choices)  # an open licence is refused: enterprises take it
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    counterparty = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    contract_date = serializers.DateField()
    amount_wan = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    term_start = serializers.DateField(required=False, allow_null=True)
    term_end = serializers.DateField(required=False, allow_null=True)
    territory = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    field_of_use = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    sublicensing_allowed = serializers.BooleanField(required=False, default=False)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.LUMP_SUM)
    first_due_date = serializers.DateField(required=False, allow_null=True)
    entry_fee_wan = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    royalty_rate = serializers.DecimalField(max_digits=6, decimal_places=3, required=False, allow_null=True)
    royalty_base = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    instalments = serializers.IntegerField(required=False, allow_null=True)
    interval_months = serializers.IntegerField(required=False, default=12)
    milestones = MilestoneSerializer(many=True, required=False, default=list)
    pricing_method = serializers.ChoiceField(
        choices=PricingMethod.choices, required=False, allow_blank=True, default=""
    )
    valuation_reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    reform_variant = serializers.ChoiceField(choices=ReformVariant.choices, required=False, default="")
    inventor_reward_share = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    notice_start = serializers.DateField(required=False, allow_null=True)
    notice_days = serializers.IntegerField(required=False, allow_null=True)


class PaymentCreateSerializer(serializers.Serializer):
    due = serializers.IntegerField()
    paid_on = serializers.DateField()
    amount_wan = serializers.DecimalField(max_digits=14, decimal_places=2)
    inventor_reward_wan = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class RecordingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RecordingStatus.choices)
    number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    recorded_on = serializers.DateField(required=False, allow_null=True)


class IndustrializationCreateSerializer(serializers.Serializer):
    patent = serializers.IntegerField()
    product_name = serializers.CharField(max_length=255)
    started_on = serializers.DateField()
    sales_band = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    product_filing_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    filed_on = serializers.DateField(required=False, allow_null=True)


class OpenLicenceSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="patent.application_number", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = OpenLicenceDeclaration
        fields = [
            "id", "patent", "application_number", "institution", "institution_name", "fee_method", "fee_wan",
            "royalty_rate", "royalty_base", "term_years", "evaluation_report_ref", "status", "declared_on",
            "withdrawn_on", "withdrawal_reason",
        ]  # fmt: skip
        read_only_fields = ["institution", "status", "declared_on", "withdrawn_on", "withdrawal_reason"]


class OpenLicenceDeclareSerializer(serializers.Serializer):
    patent = serializers.IntegerField()
    fee_method = serializers.ChoiceField(choices=OpenLicenceFeeMethod.choices)
    fee_wan = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    royalty_rate = serializers.DecimalField(max_digits=6, decimal_places=3, required=False, allow_null=True)
    royalty_base = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    term_years = serializers.IntegerField()
    evaluation_report_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)
