// Compile-time stub of the plugin's graph helper (JFreeChart graphs; tests/consumers/jenkins/README.md).
package hudson.plugins.robot.graph;

import hudson.plugins.robot.model.RobotTestObject;
import hudson.util.Graph;

public final class RobotGraphHelper {
    private RobotGraphHelper() {
    }

    public static Graph createTestResultsGraphForTestObject(RobotTestObject rootObject, boolean significantData,
            boolean binarydata, boolean hd, boolean failedOnly, String labelFormat, int maxBuildsToShow) {
        throw new UnsupportedOperationException("graphs are not part of the harness");
    }

    public static Graph createDurationGraphForTestObject(RobotTestObject rootObject, boolean hd, int maxBuildsToShow,
            String labelFormat, boolean preview) {
        throw new UnsupportedOperationException("graphs are not part of the harness");
    }
}
