"""Reply templates (the model; the console's part is tickets.console.canned)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CannedReply(models.Model):
    """A reply template agents insert into the compose box: a title, the text in Russian and
    English, and placeholders (tickets.console.canned) filled in for the request at hand."""

    title = models.CharField(_("title"), max_length=120, unique=True)
    body_ru = models.TextField(_("text in Russian"))
    body_en = models.TextField(
        _("text in English"),
        blank=True,
        help_text=_("For customers who read in English; the Russian text is used if empty."),
    )
    is_active = models.BooleanField(
        _("offered to engineers"), default=True, help_text=_("Untick instead of deleting.")
    )
    # Counted with an F() update when an engineer inserts it: the popular ones come first.
    usage_count = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["title"]
        indexes = [
            models.Index(
                fields=["-usage_count", "title"],
                name="canned_reply_popular",
                condition=Q(is_active=True),
            )
        ]

    def __str__(self):
        return self.title

    def body_for(self, language: str) -> str:
        """The text in this language, or in Russian when there is none."""
        return self.body_en if language == "en" and self.body_en.strip() else self.body_ru
