// Compile-time stub of Jenkins core's hudson.model.AbstractModelObject (tests/consumers/jenkins/README.md).
package hudson.model;

public abstract class AbstractModelObject {
    public String getDisplayName() {
        return "";
    }
}
