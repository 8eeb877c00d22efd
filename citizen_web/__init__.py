"""The citizen's browser client: plain HTML, CSS and JS modules, no build step."""
