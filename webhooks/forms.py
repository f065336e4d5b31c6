from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks import urlcheck
from webhooks.models import EventType, Webhook


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events"]
        help_texts = {"url": _("https://… of your system; it gets a signed JSON POST.")}

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            urlcheck.resolve(url)
        except urlcheck.UrlRefused as refusal:
            raise forms.ValidationError(str(refusal)) from refusal
        return url
