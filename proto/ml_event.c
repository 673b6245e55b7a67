/* ml_event.c -- being written */
