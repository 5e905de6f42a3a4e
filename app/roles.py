"""Roles. The four SOP roles are also the lanes of the diagram (lane name = role label)."""

AGEN = 'agen'
VERIFIKATOR = 'verifikator'
ADMINISTRATOR = 'administrator'
PIMPINAN = 'pimpinan'
PEMILIK_PROSES = 'pemilik_proses'
AUDITOR = 'auditor'
SUPERADMIN = 'superadmin'

ROLE_LABELS = {
    AGEN: 'Agen Lapangan',
    VERIFIKATOR: 'Verifikator',
    ADMINISTRATOR: 'Administrator',
    PIMPINAN: 'Pimpinan',
    PEMILIK_PROSES: 'Pemilik Proses',
    AUDITOR: 'Auditor',
    SUPERADMIN: 'Superadmin',
}
LANE_ROLES = (AGEN, VERIFIKATOR, ADMINISTRATOR, PIMPINAN)
# the lane whose tasks belong to the person who filed the report
REPORTER_LANE = ROLE_LABELS[AGEN]
# roles that may read every report (the pimpinan reads published ones)
READ_ALL_ROLES = (VERIFIKATOR, ADMINISTRATOR, AUDITOR, SUPERADMIN)
# a report classified RAHASIA: besides its reporter and the people handling it (who did, hold or may take one of
# its steps), only the oversight roles, who read every step's data in the audit trail anyway
SECRET_READERS = (AUDITOR, SUPERADMIN)
# roles that see every diagram version, drafts included (everyone reads the deployed one)
DIAGRAM_READERS = (PEMILIK_PROSES, ADMINISTRATOR, AUDITOR, SUPERADMIN)
# roles that read the global audit log
AUDIT_READERS = (AUDITOR, SUPERADMIN)
# roles that read the SOP compliance report
COMPLIANCE_READERS = (ADMINISTRATOR, PIMPINAN, AUDITOR)


def lane_for_role(role):
    return ROLE_LABELS[role] if role in LANE_ROLES else None


def role_for_lane(lane):
    for role in LANE_ROLES:
        if lane and lane.strip().lower() in (role, ROLE_LABELS[role].lower()):
            return role
    return None


def lane_label(lane):
    """The canonical name of a lane (the role label), or the lane as written when it names no role."""
    role = role_for_lane(lane)
    return ROLE_LABELS[role] if role else lane

# who hears about a task that is overdue: the role that oversees the lane
# (the Pimpinan has no one above in SIKANDA; the Administrator's secretariat follows up)
SUPERVISOR_OF = {AGEN: VERIFIKATOR, VERIFIKATOR: ADMINISTRATOR, ADMINISTRATOR: PIMPINAN, PIMPINAN: ADMINISTRATOR}
