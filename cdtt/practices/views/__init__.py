"""Good-practice pages: the network's published posts (search, filters), one's own drafts, the review
queue, writing with photos, and the transitions. Photos are served only through a scoped view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.files import user_file_response
from cdtt.practices import selectors, services
from cdtt.practices.forms import PracticeForm, ReturnForm
from cdtt.practices.models import PracticeKind

PAGE_SIZE = 20


def _private(response: Any) -> Any:
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Perm.VIEW_PRACTICES)
def index(request: SignedInRequest) -> HttpResponse:
    """Published posts of the whole network: featured first; search without diacritics; filters; pages."""
    filters = selectors.Filters.parse(request.GET)
    data = selectors.practice_index_page(user=request.user, filters=filters)
    page = Paginator(data.pop("practices"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **data,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "kinds": PracticeKind.choices,
    }
    return render(request, "practices/index.html", context)


@requires(Perm.WRITE_PRACTICES)
def mine(request: SignedInRequest) -> HttpResponse:
    """The drafts, returned posts and posts awaiting review of my own village team or unit."""
    page = Paginator(selectors.practice_own_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/mine.html", {"page": page})


@requires(Perm.REVIEW_PRACTICES)
def review(request: SignedInRequest) -> HttpResponse:
    """Posts sent to my unit for review, the oldest first."""
    page = Paginator(selectors.practice_review_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/review.html", {"page": page})


def _data(form: PracticeForm) -> services.PracticeIn:
    data = form.cleaned_data
    return services.PracticeIn(
        title=data["title"],
        body=data["body"],
        kind=data["kind"],
        platform_ids=[p.pk for p in data["platforms"]],
        tags=data["tags"],
    )


def _subject_choices(user: Any) -> list[tuple[str, str]]:
    choices = []
    for subject in selectors.author_subjects(user):
        if hasattr(subject, "commune"):
            label = _("Team of %(village)s, %(commune)s") % {"village": subject.name, "commune": subject.commune.name}  # type: ignore[union-attr]
        else:
            label = subject.name
        choices.append((selectors.subject_key(subject), label))
    return choices


@requires(Perm.WRITE_PRACTICES)
def create(request: SignedInRequest) -> HttpResponse:
    """Draft a new post of my village team or unit, with photos."""
    subjects = _subject_choices(request.user)
    if not subjects:
        raise Forbidden(_("Your role does not allow this action."))
    initial = {"kind": PracticeKind.GOOD_PRACTICE, "subject": subjects[0][0]}
    form = PracticeForm(request.POST or None, request.FILES or None, subjects=subjects, initial=initial)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data.get("subject") or subjects[0][0]
        try:
            subject = selectors.author_subject(request.user, key)
            practice = services.practice_create(
                actor=request.user, subject=subject, data=_data(form), uploads=form.cleaned_data["images"]
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The draft was saved. Submit it for review when it is ready."))
            return redirect("practices:detail", practice.pk)
    return render(request, "practices/form.html", {"form": form, "practice": None})


@requires(Perm.WRITE_PRACTICES)
def edit(request: SignedInRequest, practice_id: int) -> HttpResponse:
    """Change a draft or a returned post and add photos."""
    practice = selectors.practice_get(request.user, practice_id)
    if not selectors.may_edit(request.user, practice):
        raise Forbidden(_("Only the team or unit that wrote this post can change it, before it is sent."))
    initial = {
        "kind": practice.kind,
        "title": practice.title,
        "body": practice.body,
        **selectors.practice_form_initial(practice),
    }
    form = PracticeForm(request.POST or None, request.FILES or None, subjects=[], editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.practice_update(
                actor=request.user, practice=practice, data=_data(form), uploads=form.cleaned_data["images"]
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("practices:detail", practice.pk)
    return render(request, "practices/form.html", {"form": form, "practice": practice})


@requires(Perm.VIEW_PRACTICES)
def detail(request: SignedInRequest, practice_id: int) -> HttpResponse:
    page = selectors.practice_detail_page(user=request.user, practice_id=practice_id)
    context = {**page, "return_form": ReturnForm()}
    return _private(render(request, "practices/detail.html", context))


def _transition(request: HttpRequest, practice_id: int, act: Any, done: str) -> HttpResponse:
    practice = selectors.practice_get(request.user, practice_id)
    if request.method != "POST":
        return redirect("practices:detail", practice.pk)
    try:
        act(practice)
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("practices:detail", practice.pk)


@requires(Perm.WRITE_PRACTICES)
def submit(request: SignedInRequest, practice_id: int) -> HttpResponse:
    return _transition(
        request,
        practice_id,
        lambda p: services.practice_submit(actor=request.user, practice=p),
        _("The post was sent for review."),
    )


@requires(Perm.REVIEW_PRACTICES)
def publish(request: SignedInRequest, practice_id: int) -> HttpResponse:
    return _transition(
        request,
        practice_id,
        lambda p: services.practice_publish(actor=request.user, practice=p),
        _("The post was published to the whole network."),
    )


@requires(Perm.REVIEW_PRACTICES)
def return_view(request: SignedInRequest, practice_id: int) -> HttpResponse:
    return _transition(
        request,
        practice_id,
        lambda p: services.practice_return(actor=request.user, practice=p, comment=request.POST.get("comment")),
        _("The post was returned with your comments."),
    )


@requires(Perm.FEATURE_PRACTICES)
def feature(request: SignedInRequest, practice_id: int) -> HttpResponse:
    featured = request.POST.get("featured") == "1"
    return _transition(
        request,
        practice_id,
        lambda p: services.practice_feature(actor=request.user, practice=p, featured=featured),
        _("The post is now featured nationally.") if featured else _("The post is no longer featured."),
    )


@requires(Perm.WRITE_PRACTICES)
def image_remove(request: SignedInRequest, practice_id: int, image_id: int) -> HttpResponse:
    return _transition(
        request,
        practice_id,
        lambda p: services.practice_image_remove(actor=request.user, practice=p, image_id=image_id),
        _("The photo was removed."),
    )


@requires(Perm.VIEW_PRACTICES)
def image(request: SignedInRequest, practice_id: int, image_id: int) -> FileResponse:
    """A photo of a post the user may see (never a public media URL)."""
    row = selectors.practice_image_get(user=request.user, practice_id=practice_id, image_id=image_id)
    try:
        handle = row.image.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The image was not found.")) from None
    name = (row.image.name or "anh.jpg").rsplit("/", 1)[-1]
    response = user_file_response(handle, filename=name, content_type="image/jpeg", inline=True)
    response["Cache-Control"] = "private, max-age=3600"
    return response
