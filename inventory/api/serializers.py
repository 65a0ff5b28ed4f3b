"""API representations of inventory import jobs."""

from rest_framework import serializers

from ..choices import CANCELLABLE_IMPORT_STATES, RETRYABLE_IMPORT_STATES
from ..models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    error_workbook_url = serializers.SerializerMethodField()
    can_retry = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "state", "state_display", "dry_run", "original_name", "size", "total_rows", "processed_rows", "progress_percent",
            "patents_in_file", "created_count", "updated_count", "unchanged_count", "rejected_count", "error_count",
            "message", "message_en", "created_at", "started_at", "finished_at", "error_workbook_url", "attempt",
            "heartbeat_at", "cancel_requested", "can_retry", "can_cancel",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_retry(self, job) -> bool:
        return job.state in RETRYABLE_IMPORT_STATES

    def get_can_cancel(self, job) -> bool:
        return job.state in CANCELLABLE_IMPORT_STATES and not job.cancel_requested

    def get_error_workbook_url(self, job) -> str | None:
        if not job.error_file:
            return None
        request = self.context.get("request")
        path = f"/api/inventory-imports/{job.pk}/error-workbook/"
        return request.build_absolute_uri(path) if request else path


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="国家批量导入模板格式的 .xlsx 工作簿 / a national-format .xlsx workbook",
        error_messages={
            "required": "请选择要上传的工作簿 / Choose a workbook to upload",
            "null": "请选择要上传的工作簿 / Choose a workbook to upload",
            "invalid": "没有收到文件，请检查表单的编码类型 / No file was received; check the form's encoding type",
            "no_name": "无法确定文件名 / The file has no name",
            "empty": "上传的文件是空的（0 字节） / The uploaded file is empty (0 bytes)",
            "max_length": "文件名过长 / The file name is too long",
        },
    )
    dry_run = serializers.BooleanField(default=False, help_text="只校验，不写入 / validate without writing")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    message_en = serializers.CharField()
    code = serializers.CharField()
