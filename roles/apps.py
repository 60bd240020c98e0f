from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "roles"

    def ready(self) -> None:
        # goals sits below roles and asks "who is Responsible or Accountable?" through
        # its hook; roles answers it.
        from goals.hooks import register_responsible_orgs_provider, register_role_letters_provider
        from roles.selectors import responsible_org_ids_for_milestones, role_letters_for_items

        register_responsible_orgs_provider(responsible_org_ids_for_milestones)
        register_role_letters_provider(role_letters_for_items)

        # The core's activity trail asks roles where a role assignment is shown.
        from roles.activity_hooks import register

        register()

        # Reminders about milestones go to the organizations the RACI matrix names.
        from roles.reminders import register as register_reminder_rules

        register_reminder_rules()
