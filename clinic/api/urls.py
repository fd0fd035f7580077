from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from clinic.api import analysis_views as av
from clinic.api import auth_views as auth
from clinic.api import measure_views as mv
from clinic.api import review_views as rv
from clinic.api import subject_views as sv
from clinic.api import tus_views as tus
from clinic.api import views as v
from clinic.api.docs_views import DocsView

P = "patients/<uuid:patient_id>"
V = f"{P}/visits/<uuid:visit_id>"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", auth.TokenObtainView.as_view(), name="api-token"),
    path("auth/token/revoke/", auth.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/token/revoke-all/", auth.TokenRevokeAllView.as_view(), name="api-token-revoke-all"),
    path("caseload/", v.CaseloadView.as_view(), name="api-caseload"),
    path("caseload/unsigned-notes/", mv.UnsignedNotesView.as_view(), name="api-unsigned-notes"),
    path("patients/", v.PatientListView.as_view(), name="api-patients"),
    path("practice/export/", v.PracticeExportView.as_view(), name="api-practice-export"),
    path("practice/billing/", v.PracticeBillingView.as_view(), name="api-practice-billing"),
    path(f"{P}/", v.PatientDetailView.as_view(), name="api-patient"),
    path(f"{P}/assignments/", v.AssignmentView.as_view(), name="api-assignments"),
    path(f"{P}/assignments/<int:therapist_id>/remove/", v.UnassignView.as_view(), name="api-unassign"),
    path(f"{P}/plan-of-care/", v.PlanOfCareView.as_view(), name="api-plan-of-care"),
    path(
        f"{P}/plan-of-care/certification/", v.PlanCertificationView.as_view(), name="api-plan-certification"
    ),
    path(f"{P}/goals/", v.GoalListView.as_view(), name="api-goals"),
    path(f"{P}/goals/<uuid:goal_id>/", v.GoalDetailView.as_view(), name="api-goal"),
    path(f"{P}/goals/<uuid:goal_id>/status/", v.GoalStatusView.as_view(), name="api-goal-status"),
    path(f"{P}/visits/", v.VisitListView.as_view(), name="api-visits"),
    path(f"{V}/", v.VisitDetailView.as_view(), name="api-visit"),
    path(f"{V}/note/", v.NoteView.as_view(), name="api-note"),
    path(f"{V}/measurements/", v.MeasurementView.as_view(), name="api-measurements"),
    path(f"{V}/questionnaires/", mv.QuestionnaireView.as_view(), name="api-questionnaires"),
    path("questionnaires/", mv.InstrumentListView.as_view(), name="api-instruments"),
    path(f"{V}/procedures/", v.ProceduresView.as_view(), name="api-procedures"),
    path(f"{V}/sign/", v.SignView.as_view(), name="api-sign"),
    path(f"{V}/amendments/", v.AmendmentView.as_view(), name="api-amendments"),
    path(f"{V}/videos/", av.VideoUploadView.as_view(), name="api-visit-videos"),
    path(f"{V}/uploads/", tus.UploadCreateView.as_view(), name="api-visit-uploads"),
    path(f"{V}/uploads/<uuid:upload_id>/", tus.UploadView.as_view(), name="api-visit-upload"),
    path(f"{V}/analyses/", av.VisitAnalysesView.as_view(), name="api-visit-analyses"),
    path(
        f"{V}/analyses/<uuid:analysis_id>/subject/",
        sv.SubjectRerunView.as_view(),
        name="api-analysis-subject",
    ),
    path(
        f"{P}/analyses/<uuid:analysis_id>/stills/<str:still_sha256>.jpg",
        sv.AnalysisStillView.as_view(),
        name="api-analysis-still",
    ),
    path(
        f"{P}/analyses/<uuid:analysis_id>/values/<int:index>/review/",
        rv.AnalysisValueReviewView.as_view(),
        name="api-analysis-value-review",
    ),
    path(f"{P}/discharge/", v.DischargeView.as_view(), name="api-discharge"),
    path(f"{P}/timeline/", v.TimelineView.as_view(), name="api-timeline"),
    path(f"{P}/reports/<str:kind>/", v.ReportView.as_view(), name="api-report"),
    path(f"{P}/fhir/", v.FhirExportView.as_view(), name="api-fhir"),
    path(f"{P}/measurements.<str:fmt>", v.MeasurementExportView.as_view(), name="api-measurements-export"),
]
