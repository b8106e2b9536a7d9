"""Amazon Bedrock pricing: model-id resolution, the bundled price catalog and the Price List builder."""
