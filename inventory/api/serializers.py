"""API representations of inventory import jobs."""

from rest_framework import serializers

from ..choices import CANCELLABLE_IMPORT_STATES, RETRYABLE_IMPORT_STATES, ImportKind
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
            "kind", "patents_in_file", "created_count", "updated_count", "unchanged_count", "inventory_only_count",
            "suggested_count", "rejected_count", "error_count", "message", "message_en", "created_at", "started_at", "finished_at",
            "error_workbook_url", "attempt", "heartbeat_at", "cancel_requested", "can_retry", "can_cancel",
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
        help_text="国家批量导入模板格式的 .xlsx 工作簿，或专利数据库导出（.xlsx / .csv）/ a national-format .xlsx "
        "workbook, or a patent-database export (.xlsx / .csv)",
        error_messages={
            "required": "请选择要上传的工作簿 / Choose a workbook to upload",
            "null": "请选择要上传的工作簿 / Choose a workbook to upload",
            "invalid": "没有收到文件，请检查表单的编码类型 / No file was received; check the form's encoding type",
            "no_name": "无法确定文件名 / The file has no name",
            "empty": "上传的文件是空的（0 字节） / The uploaded file is empty (0 bytes)",
            "max_length": "文件名过长 / The file name is too long",
        },
    )
    kind = serializers.ChoiceField(
        choices=ImportKind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="national：国家批量导入模板（盘点与自评）；patent_database：专利数据库导出（公开(公告)号、申请号、标题、"
        "申请人、发明人、申请日、授权日、IPC分类号、法律状态、专利类型），只写入基础库，不改动自评。不填则按表头识别 / "
        "national: the national workbook (inventory and self-assessment); patent_database: a patent-database export, "
        "base-library facts only, never a self-assessment. Blank: detected from the headers",
    )
    dry_run = serializers.BooleanField(default=False, help_text="只校验，不写入 / validate without writing")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    message_en = serializers.CharField()
    code = serializers.CharField()
