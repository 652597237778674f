from collab_hub.navigation import NavEntry

NAVIGATION = [NavEntry("Notes", "scratch:note_list", icon="leads", permission="notes.create")]
