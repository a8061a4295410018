// Stub of the plugin's own RobotBuildAction (tests/consumers/jenkins/README.md), which is a Jenkins
// build action: here it only holds the parsed result, as the real one does after a build.
package hudson.plugins.robot;

import hudson.model.Run;
import hudson.plugins.robot.model.RobotResult;
import hudson.plugins.robot.model.RobotTestObject;

public class RobotBuildAction {
    private final RobotResult result;

    public RobotBuildAction(RobotResult result) {
        this.result = result;
    }

    public RobotResult getResult() {
        return result;
    }

    public Run<?, ?> getOwner() {
        return null;
    }

    public RobotTestObject findObjectById(String id) {
        return result.findObjectById(id);
    }

    public hudson.FilePath getRobotDir() {
        return null;
    }

    public String getReportFileName() {
        return "report.html";
    }

    public String getxAxisLabel() {
        return "";
    }
}
