// Stub of commons-lang 2's DurationFormatUtils (tests/consumers/jenkins/README.md): H:mm:ss.SSS.
package org.apache.commons.lang.time;

public final class DurationFormatUtils {
    private DurationFormatUtils() {
    }

    public static String formatDurationHMS(long millis) {
        long hours = millis / 3600000;
        long minutes = millis / 60000 % 60;
        long seconds = millis / 1000 % 60;
        return String.format("%d:%02d:%02d.%03d", hours, minutes, seconds, millis % 1000);
    }
}
