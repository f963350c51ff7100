from django.http import Http404, HttpRequest, HttpResponse

from cdtt.access.decorators import requires
from cdtt.access.permissions import Perm


@requires(Perm.MANAGE_VILLAGES)
def village_import(request: HttpRequest, unit_id: int) -> HttpResponse:  # replaced by the import feature
    raise Http404
