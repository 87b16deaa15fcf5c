"""What comes in from and goes out to the user's files and screen, outside the pipeline:
network files (Python or NIR) and plain-data summaries of networks and runs."""
from .network_files import NetworkFileError, UnreadableNetworkFileError, load_network
from .summaries import (PopulationSummary, ProjectionSummary, RateSummary, population_summaries,
                        projection_summaries, rate_summaries)

__all__ = ["NetworkFileError", "PopulationSummary", "ProjectionSummary", "RateSummary", "UnreadableNetworkFileError",
           "load_network", "population_summaries", "projection_summaries", "rate_summaries"]
