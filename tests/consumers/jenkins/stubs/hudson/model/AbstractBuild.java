// Compile-time stub of Jenkins core's hudson.model.AbstractBuild (tests/consumers/jenkins/README.md).
package hudson.model;

public abstract class AbstractBuild<P extends Job<P, R>, R extends AbstractBuild<P, R>> extends Run<P, R> {
    public hudson.FilePath getWorkspace() {
        return null;
    }
}
