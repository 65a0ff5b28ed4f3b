"""API representations of inventory import jobs."""

from rest_framework import serializers

from ..models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    error_workbook_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "state", "state_display", "dry_run", "original_name", "size", "total_rows", "processed_rows", "progress_percent",
            "patents_in_file", "created_count", "updated_count", "unchanged_count", "rejected_count", "error_count",
            "message", "message_en", "created_at", "started_at", "finished_at", "error_workbook_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_error_workbook_url(self, job) -> str | None:
        if not job.error_file:
            return None
        request = self.context.get("request")
        path = f"/api/inventory-imports/{job.pk}/error-workbook/"
        return request.build_absolute_uri(path) if request else path


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="国家批量导入模板格式的 .xlsx 工作簿 / a national-format .xlsx workbook")
    dry_run = serializers.BooleanField(default=False, help_text="只校验，不写入 / validate without writing")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    message_en = serializers.CharField()
    code = serializers.CharField()
