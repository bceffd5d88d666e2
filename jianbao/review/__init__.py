"""Review: the reviewer's and signer's comments on articles and passages, answered by the editor."""
