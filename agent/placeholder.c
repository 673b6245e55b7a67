/* placeholder */ int ml_agent_placeholder_ (void); int ml_agent_placeholder_ (void) { return 0; }
