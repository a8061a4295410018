// Compile-time stub of Jenkins core's hudson.util.Graph (tests/consumers/jenkins/README.md).
package hudson.util;

import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.StaplerResponse2;

public abstract class Graph {
    public void doPng(StaplerRequest2 req, StaplerResponse2 rsp) throws java.io.IOException {
    }
}
