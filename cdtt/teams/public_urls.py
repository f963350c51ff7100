"""The public team finder ("Tìm Tổ công nghệ số"), no sign-in."""

from cdtt.teams import public

app_name = "finder"
urlpatterns = public.urlpatterns
