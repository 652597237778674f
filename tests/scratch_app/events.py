from collab_hub.notifications.registry import EventType

EVENT_TYPES = [
    EventType(
        "note.created",
        "%(actor)s wrote the note %(target)s",
        "A product member wrote a note.",
        {"title": "Ideas"},
    )
]
