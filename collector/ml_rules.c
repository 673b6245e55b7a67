/* ml_rules.c -- being written */
