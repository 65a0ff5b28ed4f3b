"""API representations of the provincial data interface."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class FeedQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(
        min_value=0, default=0, help_text=_("上次读到的最大 seq（首次为 0） / the highest seq read so far (0 at first)")
    )
    page_size = serializers.IntegerField(min_value=1, max_value=500, default=200)
    province = serializers.CharField(
        required=False, max_length=2, help_text=_("省份代码（仅国家管理员） / province code (national admins only)")
    )


class FeedItemSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    action = serializers.ChoiceField(
        choices=["upsert", "delete"], help_text=_("upsert：新增或变更；delete：移出（墓碑）")
    )
    patent_id = serializers.IntegerField()
    application_number = serializers.CharField()
    changed_at = serializers.DateTimeField()
    record = serializers.DictField(allow_null=True, help_text=_("国家批量导入格式的专利记录；delete 时为空"))


class FeedPageSerializer(serializers.Serializer):
    since = serializers.IntegerField()
    next_since = serializers.IntegerField(help_text=_("下次请求的 since / pass as since next time"))
    has_more = serializers.BooleanField()
    next = serializers.CharField(allow_null=True)
    results = FeedItemSerializer(many=True)
