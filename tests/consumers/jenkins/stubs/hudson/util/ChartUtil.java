// Compile-time stub of Jenkins core's hudson.util.ChartUtil (tests/consumers/jenkins/README.md).
package hudson.util;

public final class ChartUtil {
    public static Throwable awtProblemCause;

    private ChartUtil() {
    }
}
