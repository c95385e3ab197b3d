package dev.kpf.tui.render;

/** What a cell means; the view maps it to colours (or to bold and reverse only, with NO_COLOR). */
public enum Style { NORMAL, DIM, BOLD, TITLE, HEADER, SELECTED, OK, WARN, BAD, BANNER }
