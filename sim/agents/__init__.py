"""Mesa agents: agencies (thin views over arrays), coordinating bodies, suppliers."""

from .agency import Agency
from .bureau import CoordinatingBody, DataBureau, GeneralOffice
from .supplier import OperatingCompany, Vendor

__all__ = ["Agency", "CoordinatingBody", "DataBureau", "GeneralOffice", "OperatingCompany", "Vendor"]
