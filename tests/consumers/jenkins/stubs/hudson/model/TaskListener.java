// Compile-time stub of Jenkins core's hudson.model.TaskListener (tests/consumers/jenkins/README.md).
package hudson.model;

public interface TaskListener {
}
