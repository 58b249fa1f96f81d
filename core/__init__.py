"""The app's kernel shared by the pipeline, the services and the board: settings, users,
local time, private files and the one lock helper."""
