package dev.kpf.tui.view;

/** What a key asks of the application beyond changing the view. */
public enum Action { NONE, QUIT, RUN_DOCTOR, WRITE_BUNDLE, TRACE_FILTER }
