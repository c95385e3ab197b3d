package dev.kpf.diagnostics;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;
import java.time.Instant;

/**
 * The doctor's report as JUnit XML, for CI systems that show test results (as popeye does): one test suite, one test
 * case per check (classname = its area, name = its id). A failed check is a {@code failure} (message: what was
 * observed; text: the fix), a check that could not run is {@code skipped} with the reason, a warning passes with the
 * observation and fix in {@code system-out}. Written with the JDK's XML writer (escaping included).
 */
public final class DoctorJunit {
    private DoctorJunit() {}

    public static String render(DoctorReport report, String kpfVersion, Instant at) {
        DoctorSummary s = DoctorSummary.of(report);
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", "kpf doctor");
            x.writeAttribute("tests", Integer.toString(s.checks()));
            x.writeAttribute("failures", Integer.toString(s.fail()));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", Integer.toString(s.unknown()));
            // JUnit's schema: an ISO 8601 date and time without a zone (UTC here), to the second
            x.writeAttribute("timestamp", java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            x.writeCharacters("\n  ");
            x.writeStartElement("properties");
            property(x, "kpfVersion", kpfVersion);
            if (s.score() != null) property(x, "score", Integer.toString(s.score()));
            property(x, "exitCode", Integer.toString(report.exitCode()));
            x.writeEndElement();
            for (CheckResult c : report.checks()) {
                x.writeCharacters("\n  ");
                x.writeStartElement("testcase");
                x.writeAttribute("classname", "kpf.doctor." + c.area());
                x.writeAttribute("name", c.id());
                switch (c.status()) {
                    case FAIL -> {
                        x.writeStartElement("failure");
                        x.writeAttribute("message", c.observed());
                        x.writeAttribute("type", "fail");
                        x.writeCharacters("expected: " + c.expected() + "\nfix: " + c.remedy());
                        x.writeEndElement();
                    }
                    case UNKNOWN -> {
                        x.writeStartElement("skipped");
                        x.writeAttribute("message", "could not run: " + c.observed());
                        x.writeEndElement();
                    }
                    case WARN -> {
                        x.writeStartElement("system-out");
                        x.writeCharacters("warn: " + c.observed() + (c.remedy().isEmpty() ? "" : "\nfix: " + c.remedy()));
                        x.writeEndElement();
                    }
                    case PASS -> {
                        x.writeStartElement("system-out");
                        x.writeCharacters(c.observed());
                        x.writeEndElement();
                    }
                }
                x.writeEndElement();
            }
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("writing JUnit XML: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeCharacters("\n    ");
        x.writeEmptyElement("property");
        x.writeAttribute("name", name);
        x.writeAttribute("value", value);
    }
}
