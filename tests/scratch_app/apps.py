from collab_hub import plugins


class ScratchConfig(plugins.PluggableAppConfig):
    name = "tests.scratch_app"
    label = "scratch"
    verbose_name = "Scratch notes"
    policy = "tests.scratch_app.policy"
    events = "tests.scratch_app.events"
    api = "tests.scratch_app.api"
    navigation = "tests.scratch_app.navigation"
    subscribers = "tests.scratch_app.subscribers"
    home = "tests.scratch_app.home"
    panels = "tests.scratch_app.panels"

    def ready(self) -> None:
        super().ready()
        # The isolation harness builds one row of every routed model through its factory.
        from tests.scratch_app import factories  # noqa: F401
