"""The shapes of the API's answers and input, for the OpenAPI schema.

Answers are built by tickets.api.present (plain and fast) and checked against these shapes
by the contract tests; input is validated by the portal's own forms (tickets.forms), so no
rule is written twice.
"""

from rest_framework import serializers

from tickets.models import Ticket, TicketEvent


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField()


class TicketSummarySerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField()
    subject = serializers.CharField()
    type = serializers.ChoiceField(choices=Ticket.Type.choices)
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    priority_display = serializers.CharField(source="get_priority_display")
    blocks_work = serializers.BooleanField()
    organization = serializers.CharField(source="organization.name")
    requester = serializers.CharField(source="requester.full_name")
    assignee = serializers.CharField(source="assignee.full_name", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(source="last_activity_at")
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="comment.pk")
    author = serializers.CharField(source="comment.author.full_name")
    from_support = serializers.BooleanField(source="comment.author.is_staff")
    internal = serializers.BooleanField(source="comment.is_internal")
    body = serializers.CharField(source="comment.body")
    created_at = serializers.DateTimeField(source="comment.created_at")
    attachments = AttachmentSerializer(source="files", many=True)


class EventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TicketEvent.Kind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    actor = serializers.CharField(source="actor.full_name", allow_null=True, default=None)
    via_token = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class TicketDetailSerializer(TicketSummarySerializer):
    description = serializers.CharField()
    technical_details = serializers.CharField()
    attachments = AttachmentSerializer(many=True, help_text="Files filed with the request.")
    messages = MessageSerializer(many=True)
    history = EventSerializer(many=True)
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="What this token's user may do now."
    )
    can_reply = serializers.BooleanField()


class CommentCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket = TicketSummarySerializer()


class Problem(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


# --- Input, for the schema (validated by tickets.forms) ----------------------------------------

_FILES = serializers.ListField(
    child=serializers.FileField(), required=False, help_text="multipart/form-data only"
)


class TicketCreateInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=Ticket.Type.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    technical_details = serializers.CharField(required=False)
    blocks_work = serializers.BooleanField(required=False)
    follow_up = serializers.CharField(
        required=False, help_text="Reference of a closed request this one follows up (PT-…)."
    )
    files = _FILES


class ReplyInput(serializers.Serializer):
    body = serializers.CharField()
    files = _FILES


class DisputeInput(serializers.Serializer):
    reason = serializers.CharField()
    files = _FILES


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class AssignInput(serializers.Serializer):
    assignee = serializers.EmailField(
        allow_null=True, help_text="The engineer's e-mail; null releases the request."
    )


class PriorityInput(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)


class TextInput(serializers.Serializer):
    """A question, a solution or an internal note."""

    text = serializers.CharField()
    files = _FILES


class TicketPageSerializer(serializers.Serializer):
    """A page of requests; follow `next` (a cursor link) for the following one."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TicketSummarySerializer(many=True)
