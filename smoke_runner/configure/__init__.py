"""Step 1, configure: the command line's options, the pass-through allow-list, the settings from
the environment and the selected suites, all checked before anything is contacted."""
