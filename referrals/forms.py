"""Referral forms: the clinician's, the public self-referral, and triage decisions."""

from __future__ import annotations

import hashlib
import time

from django import forms
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS

from accounts.models import Role, User
from people.rules import (
    clean_nhs_number,
)
from places.postcodes import clean_postcode
from referrals.models import Referral
from referrals.reasons import Reason, self_referral_choices
from socialrx.forms import DateOfBirthField, IdPrefixMixin

_FORM_SALT = "socialrx.self-referral"
MIN_SECONDS_TO_FILL = 3
MAX_FORM_AGE_SECONDS = 2 * 60 * 60


class PersonFieldsMixin(forms.Form):
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    birth_date = DateOfBirthField()
    nhs_number = forms.CharField(
        label="NHS number", required=False, max_length=14, help_text="10 digits, like 943 476 5919"
    )
    postcode = forms.CharField(label="Postcode", max_length=10)
    phone = forms.CharField(label="Phone number", required=False, max_length=32)
    email = forms.EmailField(label="Email address", required=False)
    address = forms.CharField(
        label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        if not value:
            return ""
        try:
            return clean_nhs_number(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_postcode(self):
        try:
            return clean_postcode(self.cleaned_data["postcode"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def person_fields(self) -> dict:
        keys = (
            "given_name",
            "family_name",
            "birth_date",
            "nhs_number",
            "postcode",
            "phone",
            "email",
            "address",
        )
        return {k: self.cleaned_data[k] for k in keys if self.cleaned_data.get(k) not in (None, "")}


class ClinicianReferralForm(PersonFieldsMixin):
    reasons = forms.MultipleChoiceField(
        label="Reasons for referral",
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Choose at least one reason for the referral."},
    )
    notes = forms.CharField(
        label="What would help this person?",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ChoiceField(
        label="How urgent is this?",
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    confirm_duplicate = forms.BooleanField(
        label="I have checked: this is a new referral",
        required=False,
        help_text="Tick only if the person's open referral does not cover this need.",
    )

    def __init__(self, *args, teams=(), **kwargs):
        """`teams`: the social prescribing teams this referrer may refer to. With several,
        the referrer chooses one; with one, it is used without asking."""
        super().__init__(*args, **kwargs)
        self.teams = list(teams)
        if len(self.teams) > 1:
            self.fields["team"] = forms.TypedChoiceField(
                label="Which social prescribing team should receive this referral?",
                choices=[(t.pk, t.name) for t in self.teams],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose the team that should receive it."},
            )
            self.order_fields(["team"])

    def chosen_team_id(self) -> int | None:
        return self.cleaned_data.get("team")


class SelfReferralForm(PersonFieldsMixin):
    """The public form. Spam resistance: a honeypot and a signed, timed form token."""

    birth_date = DateOfBirthField(own=True)
    reasons = forms.MultipleChoiceField(
        label="What would you like help with?",
        # Only what a person would say of themselves, in their words: a clinician's reason
        # (frequent attendance) is not offered, and is refused if posted.
        choices=self_referral_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one thing you would like help with.",
            "invalid_choice": "Choose only from the things listed.",
        },
    )
    notes = forms.CharField(
        label="Tell us a little about what matters to you",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    consent = forms.BooleanField(
        label="I agree to a link worker contacting me and keeping these details",
        error_messages={"required": "We need your agreement before we can contact you."},
    )
    website = forms.CharField(required=False, label="Leave this empty")  # honeypot
    form_token = forms.CharField(widget=forms.HiddenInput)

    field_order = [
        "given_name",
        "family_name",
        "birth_date",
        "nhs_number",
        "postcode",
        "phone",
        "email",
        "address",
        "reasons",
        "notes",
        "consent",
    ]

    @staticmethod
    def new_token() -> str:
        return signing.dumps({"t": time.time()}, salt=_FORM_SALT)

    def _token_key(self) -> str:
        digest = hashlib.sha256(self.data.get("form_token", "").encode()).hexdigest()
        return f"self-referral-token:{digest}"

    def claim_token(self) -> bool:
        """Mark this form's token as used, once: False when it was used already (a replay
        of a sent form). On the shared cache, so every server process agrees."""
        return cache.add(self._token_key(), 1, timeout=MAX_FORM_AGE_SECONDS)

    def release_token(self) -> None:
        """The send failed (an error to correct): the same token may be sent again."""
        cache.delete(self._token_key())

    def refuse_replay(self) -> None:
        self.add_error(
            None,
            forms.ValidationError(
                "This form has already been sent. To send another, check your answers and "
                "send it again.",
                code="expired",  # a fresh token comes with the form shown again
            ),
        )

    def token_for_next_attempt(self) -> str:
        """The token to send back with a form shown again after an error: the same one
        while it is valid (so the 3-second rule still counts from the first view), a fresh
        one once it has expired or was forged (else the person could never send it)."""
        if self.has_error(NON_FIELD_ERRORS, code="expired"):
            return self.new_token()
        return self.data.get("form_token") or self.new_token()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError("Sorry, we could not accept this form.", code="spam")
        try:
            issued = float(
                signing.loads(
                    self.data.get("form_token", ""), salt=_FORM_SALT, max_age=MAX_FORM_AGE_SECONDS
                )["t"]
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            issued = None
        if issued is None or time.time() - issued > MAX_FORM_AGE_SECONDS:
            raise forms.ValidationError(
                "This form has expired. Please check your answers and send it again.",
                code="expired",
            )
        if time.time() - issued < MIN_SECONDS_TO_FILL:
            raise forms.ValidationError("Sorry, we could not accept this form.", code="spam")
        if not (cleaned.get("phone") or cleaned.get("email")):
            self.add_error("phone", "Give a phone number or an email address so we can reach you.")
        return cleaned


# The three triage forms share the referral page: each has its own ids (see IdPrefixMixin).


class AcceptForm(IdPrefixMixin, forms.Form):
    id_prefix = "accept"
    link_worker = forms.ModelChoiceField(
        label="Assign to link worker", queryset=None, empty_label="Choose a link worker"
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link_worker"].queryset = User.objects.filter(
            team=team, role__in=[Role.LINK_WORKER, Role.SUPERVISOR], is_active=True
        ).order_by("first_name")


class DeclineForm(IdPrefixMixin, forms.Form):
    id_prefix = "decline"
    reason = forms.CharField(
        label="Why is the referral declined?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the referral is declined."},
    )


class RedirectForm(IdPrefixMixin, forms.Form):
    id_prefix = "redirect"
    to = forms.CharField(
        label="Redirect to which service?",
        max_length=200,
        error_messages={"required": "Say which service the referral is redirected to."},
    )
    reason = forms.CharField(label="Why?", required=False, widget=forms.Textarea(attrs={"rows": 2}))
